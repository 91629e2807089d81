"""amdsim.threats"""
