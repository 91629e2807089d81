"""amdsim.simulation"""
