namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>
/// The Fourier bound of one convolution: the largest singular value, over the frequencies of a
/// Height×Width torus, of the Filters×InChannels matrix of the filters' 2-D DFTs.
/// </summary>
/// <param name="Bound">max over (u, v) of σ_max(Ŵ(u, v)): the operator norm of the circular convolution on that torus.</param>
/// <param name="Height">Rows of the torus (for a layer: its input height plus twice the padding).</param>
/// <param name="Width">Columns of the torus.</param>
/// <param name="FrequencyU">Row frequency where the maximum is, in [0, Height).</param>
/// <param name="FrequencyV">Column frequency where the maximum is, in [0, Width/2] (the other half mirrors it).</param>
/// <param name="Iterations">The most power iterations any frequency took.</param>
/// <param name="Converged">Whether every frequency met the tolerance before the iteration cap.</param>
public sealed record FourierBound(double Bound, int Height, int Width, int FrequencyU, int FrequencyV, int Iterations, bool Converged);
