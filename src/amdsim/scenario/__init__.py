"""amdsim.scenario"""
