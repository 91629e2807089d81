"""amdsim.interceptors"""
