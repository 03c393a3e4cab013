namespace IlgpuBlindSpots.Tests.Network;

/// <summary>
/// Host-to-device copies while the garbage collector compacts the heap. An OpenCL copy reads the
/// host array after the call that enqueued it has allocated and waited in native code; an array the
/// collector moves in between is read at its old address (garbage, NaN among it) unless the copy
/// pins it for its whole duration.
/// </summary>
[Collection(HeapCompaction.Name)]
public class HostCopyTests
{
    [Fact]
    public void UploadsFromSpansArriveIntactWhileTheHeapIsCompacted()
    {
        // A collision needs a compaction inside the copy's short window: unpinned, the copy went wrong
        // within 55 to 165 rounds of this loop in four runs. Bounded in time too, for slow machines.
        const int Length = 20000, Rounds = 400;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var device = TestDevice.Current;
        using var tensor = Tensor.Zeros(device, Length);
        using var stop = new CancellationTokenSource();
        var compactor = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
                GC.Collect(0, GCCollectionMode.Forced, blocking: true, compacting: true);
        }) { IsBackground = true };
        compactor.Start();
        int wrong = 0, firstWrong = -1;
        try
        {
            for (int round = 0; round < Rounds && wrong == 0 && clock.Elapsed.TotalSeconds < 4; round++)
            {
                // Garbage before the array, so that a compaction has something to close up under it.
                for (int g = 0; g < 32; g++) GC.KeepAlive(new byte[512]);
                var data = new float[Length];
                for (int i = 0; i < Length; i++) data[i] = round * Length + i;
                tensor.CopyFrom((ReadOnlySpan<float>)data);
                var back = tensor.ToArray();
                for (int i = 0; i < Length; i++)
                    if (back[i] != data[i]) wrong++;
                if (wrong > 0) firstWrong = round;
            }
        }
        finally
        {
            stop.Cancel();
            compactor.Join();
        }
        Assert.True(wrong == 0, $"{wrong} values wrong by round {firstWrong} of {Rounds}");
    }
}

/// <summary>
/// Tests that force compacting collections run alone: a forced collection stops every thread of the
/// process, so beside the parallel suite it would stall every other test for as long as it runs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapCompaction
{
    public const string Name = "heap compaction";
}
