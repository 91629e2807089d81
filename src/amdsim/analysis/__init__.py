"""amdsim.analysis"""
