// The namespaces nearly every test file reads: the test framework, the library's kernels,
// devices, tensors, models, data and model files, and the tests' float64 references and
// fixtures. A file imports here only what it alone needs; ILGPU's namespaces among them, since
// ILGPU's Half would clash with the runtime's.
global using IlgpuBlindSpots.Kernels;
global using IlgpuBlindSpots.Network;
global using IlgpuBlindSpots.Network.Data;
global using IlgpuBlindSpots.Network.ModelFiles;
global using IlgpuBlindSpots.Network.Models;
global using IlgpuBlindSpots.Tests.Fixtures;
global using IlgpuBlindSpots.Tests.Reference;
global using Xunit;
