"""amdsim.tracking"""
