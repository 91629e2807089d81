"""Pure array kernels: atmosphere, gravity, drag, equations of motion, integrators."""

from amdsim.physics.atmosphere import atmosphere
from amdsim.physics.drag import CD_PROFILES, cd_of_mach
from amdsim.physics.eom import EomOptions, accel_numpy, rk4_step_batch, rk4_step_numpy
from amdsim.physics.geodesy import geodetic_altitude_m
from amdsim.physics.gravity import gravity_j2_ecef
from amdsim.physics.integrators import drag_acceleration, rk4_step

__all__ = [
    "CD_PROFILES",
    "EomOptions",
    "accel_numpy",
    "atmosphere",
    "cd_of_mach",
    "drag_acceleration",
    "geodetic_altitude_m",
    "gravity_j2_ecef",
    "rk4_step",
    "rk4_step_batch",
    "rk4_step_numpy",
]
