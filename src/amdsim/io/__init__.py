"""amdsim.io"""
