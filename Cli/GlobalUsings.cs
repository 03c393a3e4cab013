// What nearly every command reads: the library's devices, tensors and errors, its data sets and
// model files, and invariant number formatting. A file imports here only what it alone needs.
global using System.Globalization;
global using IlgpuBlindSpots.Network;
global using IlgpuBlindSpots.Network.Data;
global using IlgpuBlindSpots.Network.ModelFiles;
