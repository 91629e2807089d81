"""Pure array kernels: atmosphere, gravity, drag, equations of motion, integrators."""
