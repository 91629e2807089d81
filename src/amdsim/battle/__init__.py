"""amdsim.battle"""
