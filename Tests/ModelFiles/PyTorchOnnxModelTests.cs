using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Tests.ModelFiles;

/// <summary>
/// models/pytorch-fc100-100-10.onnx, trained and exported by PyTorch (scripts/train_pytorch_fc100.py):
/// imported, it predicts what PyTorch predicted (models/pytorch-fc100-100-10.predictions.txt) on the
/// committed sample's 1,000 test digits.
/// </summary>
public class PyTorchOnnxModelTests
{
    private static string ModelPath => Path.Combine(RepoFiles.Root, "models", "pytorch-fc100-100-10.onnx");
    private static string PredictionsPath => Path.Combine(RepoFiles.Root, "models", "pytorch-fc100-100-10.predictions.txt");

    [Fact]
    public void ImportsAsNormalisationThenTheSigmoidMlpWithTheSoftmaxDropped()
    {
        var import = OnnxModelFile.Read(TestDevice.Current, ModelPath);
        using var model = import.Model;
        Assert.Equal("1x28x28", string.Join("x", model.InputShape));
        Assert.Matches(@"^norm:0\.130\d*/0\.308\d*,fc:100,sigmoid,fc:100,sigmoid,fc:10$", model.AsChain("test").Architecture.ToString());
        Assert.Equal(2, import.Notices.Count);
        Assert.Contains(import.Notices, n => n.Contains("input normalisation") && n.Contains("Sub") && n.Contains("Div"));
        Assert.Contains(import.Notices, n => n.Contains("Softmax") && n.Contains("dropped"));
    }

    [Fact]
    public void PredictsWhatPyTorchPredictedOnTheSampleDigits()
    {
        var sample = Dataset.Load("sample", DatasetSplit.Test, RepoFiles.DataRoot);
        int[] pytorch = File.ReadLines(PredictionsPath).Take(sample.Count).Select(int.Parse).ToArray();
        Assert.Equal(1000, pytorch.Length);
        using var model = OnnxModelFile.Load(TestDevice.Current, ModelPath);
        var result = Evaluator.Evaluate(model, sample);
        int mismatches = result.Predictions.Zip(pytorch).Count(p => p.First != p.Second);
        // ≥ 99.9% agreement: float32 sums in another order may flip at most a near-tie.
        Assert.True(mismatches <= 1, $"{mismatches} of {sample.Count} digits predicted differently from PyTorch");
    }
}
