using System.Globalization;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Optimizer.Statistics;

namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>
/// Section 3 of Szegedy et al. (Figures 1–4): are the units of a layer special? For natural basis
/// directions eᵢ and random directions v of a layer's activation space, the images x of a held-out
/// set maximising ⟨φ(x), v⟩ are found, and how coherent each direction's top k is gets measured by
/// label purity and by the mean pairwise cosine similarity of their activations. If units were
/// special, natural directions would pick more coherent images than random ones; the paper finds
/// no such difference.
/// </summary>
/// <remarks>
/// Activations, projections, top-k selection and similarities run on the model's device; the host
/// reads back k row numbers per direction and k(k − 1)/2 cosines per group. Directions whose k best
/// projections are all equal (<see cref="DirectionOutcome.Tied"/>) are reported but left out of
/// the statistics.
/// </remarks>
public static class UnitAnalysis
{
    /// <summary>Runs the analysis of <paramref name="layer"/> on every image of <paramref name="data"/>; <paramref name="progress"/> gets one line per stage.</summary>
    public static UnitAnalysisResult Run(SequentialModel model, Dataset data, UnitLayer layer, UnitAnalysisOptions options,
        Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(data.Count);
        var inv = CultureInfo.InvariantCulture;
        int k = options.Top;

        using var activations = ActivationMatrix.Compute(model, data, layer, options.BatchSize,
            done => progress?.Invoke(string.Create(inv, $"activations of layer {layer.Position} ({layer.Spec}): {done}/{data.Count} images")));

        var natural = DirectionSet.Natural(layer.Units, options.Directions, options.Seed);
        var random = DirectionSet.Random(layer.Units, options.Directions, options.Seed);
        progress?.Invoke(string.Create(inv, $"top {k} images of {natural.Count} natural and {random.Count} random directions in {layer.Units} dimensions"));
        using var mean = GroupSimilarity.MeanActivation(activations);
        var naturalOutcomes = Outcomes(activations, mean, natural, data.Labels, k);
        var randomOutcomes = Outcomes(activations, mean, random, data.Labels, k);

        progress?.Invoke(string.Create(inv, $"chance level: {options.RandomImageGroups} groups of {k} random images"));
        var groups = RandomGroups(data.Count, k, options.RandomImageGroups, options.Seed);
        var groupSimilarity = GroupSimilarity.MeanPairwiseCosine(activations, groups, k);
        var groupCentered = GroupSimilarity.MeanPairwiseCosine(activations, groups, k, mean);
        var groupPurity = Enumerable.Range(0, options.RandomImageGroups)
            .Select(g => LabelPurity.Of(groups.AsSpan(g * k, k).ToArray().Select(r => data.Labels[r]).ToArray())).ToList();

        var usedNatural = naturalOutcomes.Where(o => !o.Tied).ToList();
        var usedRandom = randomOutcomes.Where(o => !o.Tied).ToList();
        MeasureComparison Compare(string measure, Func<DirectionOutcome, double> value, IReadOnlyList<double> chance, int seed)
        {
            var a = usedNatural.Select(value).ToList();
            var b = usedRandom.Select(value).ToList();
            return new MeasureComparison(measure,
                MeanInterval.Of(a, options.Confidence), MeanInterval.Of(b, options.Confidence), MeanInterval.Of(chance, options.Confidence),
                WelchTest.Of(a, b, options.Confidence), PermutationTest.DifferenceOfMeans(a, b, options.Permutations, seed));
        }
        var purity = Compare("label purity", o => o.Purity, groupPurity, options.Seed);
        var similarity = Compare("activation similarity", o => o.Similarity, groupSimilarity, options.Seed + 1);
        var centered = Compare("centred activation similarity", o => o.CenteredSimilarity, groupCentered, options.Seed + 2);
        return new UnitAnalysisResult(layer, data.Count, options, naturalOutcomes, randomOutcomes, purity, similarity, centered);
    }

    /// <summary>Top k, purity and similarities (plain, and about <paramref name="mean"/>) of every direction of a set.</summary>
    internal static List<DirectionOutcome> Outcomes(Tensor activations, Tensor mean, DirectionSet directions, IReadOnlyList<int> labels, int k)
    {
        var (rows, projections) = TopImages.Select(activations, directions, k);
        var similarity = GroupSimilarity.MeanPairwiseCosine(activations, rows, k);
        var centered = GroupSimilarity.MeanPairwiseCosine(activations, rows, k, mean);
        var outcomes = new List<DirectionOutcome>(directions.Count);
        for (int d = 0; d < directions.Count; d++)
        {
            var images = rows.AsSpan(d * k, k).ToArray();
            var values = projections.AsSpan(d * k, k).ToArray();
            var imageLabels = images.Select(r => labels[r]).ToArray();
            outcomes.Add(new DirectionOutcome(directions.Kind, directions.Numbers[d], images, imageLabels, values,
                LabelPurity.Of(imageLabels), similarity[d], centered[d], values[0] == values[k - 1]));
        }
        return outcomes;
    }

    /// <summary><paramref name="count"/> groups of k distinct row numbers drawn uniformly from [0, n), seeded.</summary>
    internal static int[] RandomGroups(int n, int k, int count, int seed)
    {
        var rng = new Random(unchecked(seed * 31 + 17));
        var rows = new int[count * k];
        var chosen = new HashSet<int>();
        for (int g = 0; g < count; g++)
        {
            chosen.Clear();
            for (int i = 0; i < k; i++)
            {
                int r;
                do r = rng.Next(n); while (!chosen.Add(r));
                rows[g * k + i] = r;
            }
        }
        return rows;
    }
}
