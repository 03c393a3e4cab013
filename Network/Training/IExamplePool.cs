using ILGPU;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// A source of extra labelled training examples, held on the training device, that
/// <see cref="Trainer"/> mixes into every batch (<see cref="TrainingOptions.PoolShare"/>): e.g. a
/// pool of adversarial examples that is regenerated against the model as it trains.
/// </summary>
/// <remarks>
/// The trainer draws the batch's pool rows uniformly from rows [0, <see cref="Count"/>) and
/// gathers them on the device; it calls <see cref="BeforeStep"/> before each step so the pool can
/// renew its contents against the model as it is at that moment.
/// </remarks>
public interface IExamplePool
{
    /// <summary>Examples held now: rows [0, Count) of <see cref="Images"/> and <see cref="Labels"/>; 0 until the first are made.</summary>
    int Count { get; }

    /// <summary>
    /// Where the examples enter the model: 0 for inputs (mixed into the data batch), k &gt; 0 for
    /// outputs of the first k layers, which train only the layers above k
    /// (<see cref="SequentialModel.Above"/>).
    /// </summary>
    int Layer => 0;

    /// <summary>The examples, [capacity, values per example] on the model's device: inputs as the training data's, or layer <see cref="Layer"/>'s outputs.</summary>
    Tensor Images { get; }

    /// <summary>Each example's true class, [capacity] on the same device.</summary>
    ArrayView<int> Labels { get; }

    /// <summary>The settings that decide the pool's contents, one line: part of the options a checkpoint must match.</summary>
    string Description { get; }

    /// <summary>
    /// Called before training step <paramref name="step"/> (0-based, counted over the whole run),
    /// between steps: the pool may run <paramref name="model"/> in evaluation mode to renew examples.
    /// </summary>
    void BeforeStep(Model model, long step);

    /// <summary>Replaces the contents with examples saved in a checkpoint: <paramref name="labels"/>.Length rows.</summary>
    void Restore(ReadOnlySpan<float> images, ReadOnlySpan<int> labels);
}
