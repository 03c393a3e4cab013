using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Cli;

/// <summary>
/// The model a <c>--model</c> option names. An ONNX file's import may change the graph on the way
/// (a trailing softmax dropped, an input normalisation turned into a <c>norm</c> layer); the user
/// sees each change as one line on stderr, so an attack on logits is not a surprise.
/// </summary>
internal static class ModelArgument
{
    /// <summary>
    /// Loads <paramref name="path"/> onto <paramref name="device"/>; an ONNX import's notices go to
    /// <paramref name="notices"/> when given (null where the same file was already reported).
    /// </summary>
    public static Model Load(ComputeDevice device, string path, TextWriter? notices)
    {
        if (!OnnxModelFile.IsOnnx(path)) return ModelFile.Load(device, path);
        var import = OnnxModelFile.Read(device, path);
        if (notices != null)
            foreach (string notice in import.Notices) notices.WriteLine(notice);
        return import.Model;
    }

    /// <summary>
    /// Loads a model whose output is [batch, classes], as <c>eval</c> and <c>attack</c> need; a model
    /// with another output is one line saying its output shape.
    /// </summary>
    public static Model LoadClassifier(ComputeDevice device, string path, TextWriter? notices)
    {
        var model = Load(device, path, notices);
        if (model.OutputShape.Length != 1)
        {
            string shape = string.Join(", ", model.OutputShape);
            model.Dispose();
            throw new BlindSpotsException($"--model {path}: its output is [batch, {shape}], not [batch, classes]; a classifier is needed here");
        }
        return model;
    }
}
