"""amdsim.sensors"""
