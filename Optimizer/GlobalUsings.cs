// What nearly every optimizer, attack and analysis reads: the network layer's devices, tensors,
// models and errors, and the kernels it launches. A file imports here only what it alone needs;
// ILGPU's namespaces among them.
global using IlgpuBlindSpots.Kernels;
global using IlgpuBlindSpots.Network;
