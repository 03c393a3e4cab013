using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Reconstruction loss of an autoencoder whose last layer gives logits z [B, n] of a sigmoid
/// output, against targets x [B, n] in [0, 1] (the input images): per-example binary
/// cross-entropy of σ(z) and x, loss [B], and its gradient w.r.t. the logits dZ [B, n].
/// Items: B rows.
/// </summary>
/// <remarks>
/// Taking the logits rather than σ(z) keeps it exact where σ saturates:
/// −x·log σ(z) − (1 − x)·log(1 − σ(z)) = max(z, 0) − x·z + log(1 + e^−|z|), and its derivative
/// is simply σ(z) − x.
/// </remarks>
public static class Reconstruction
{
    /// <summary>loss[b] = Σᵢ BCE(σ(z[b,i]), x[b,i]); dZ[b,i] = scale·(σ(z[b,i]) − x[b,i]). dZ may alias z.</summary>
    public static void SigmoidCrossEntropy(Index1D t, WorkSplit s,
        ArrayView<float> logits, ArrayView<float> target, ArrayView<float> loss, ArrayView<float> dLogits,
        int n, float scale)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int b = s.Item(t, j);
            if (b >= s.Count) return;
            int row = b * n;
            float sum = 0f;
            for (int i = 0; i < n; i++)
            {
                float z = logits[row + i], x = target[row + i];
                float e = XMath.Exp(-XMath.Abs(z));
                sum += XMath.Max(z, 0f) - x * z + XMath.Log(1f + e);
                // σ(z) from the same e^−|z|, without overflow for either sign.
                float sigma = z >= 0f ? 1f / (1f + e) : e / (1f + e);
                dLogits[row + i] = scale * (sigma - x);
            }
            loss[b] = sum;
        }
    }
}
