using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Cosine similarity of every pair within groups of rows of a matrix, optionally about a centre:
/// how alike the examples a direction picks are. Shapes: rows [N, features]; center [features];
/// groups [G, k] (row numbers in [0, N)); cosines [G, k(k − 1)/2], pair p of a group being (i, j),
/// i &lt; j, in the order (0, 1), (0, 2), …, (0, k − 1), (1, 2), …
/// </summary>
public static class Similarity
{
    /// <summary>
    /// cosines[g, p] = ⟨a − c, b − c⟩ / (‖a − c‖·‖b − c‖) for the rows a, b of pair p of group g and
    /// the centre c (zeros for the plain cosine), with float64 sums; 0 when either vector is all
    /// zeros (no direction to compare). Items: G·k(k − 1)/2.
    /// </summary>
    public static void PairwiseCosine(Index1D t, WorkSplit s,
        ArrayView<float> rows, ArrayView<float> center, ArrayView<int> groups, ArrayView<double> cosines, int features, int k)
    {
        int pairs = k * (k - 1) / 2;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int group = item / pairs, pair = item - group * pairs;
            // Pair number → (first, second): the pairs of first = 0 come first, k − 1 of them, and so on.
            int first = 0, rest = pair;
            while (rest >= k - 1 - first)
            {
                rest -= k - 1 - first;
                first++;
            }
            int second = first + 1 + rest;
            int a = groups[group * k + first] * features, b = groups[group * k + second] * features;
            double dot = 0.0, aa = 0.0, bb = 0.0;
            for (int f = 0; f < features; f++)
            {
                double c = center[f];
                double x = rows[a + f] - c, y = rows[b + f] - c;
                dot += x * y;
                aa += x * x;
                bb += y * y;
            }
            cosines[item] = aa > 0.0 && bb > 0.0 ? dot / XMath.Sqrt(aa * bb) : 0.0;
        }
    }
}
