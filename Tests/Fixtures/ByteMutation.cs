namespace IlgpuBlindSpots.Tests.Fixtures;

/// <summary>
/// Seeded random damage to a valid file, for loaders that must either read a file or refuse it
/// with a <see cref="BlindSpotsException"/>: never another exception, never a hang.
/// </summary>
internal static class ByteMutation
{
    /// <summary>One random mutation: flip bits, overwrite bytes (often with 00 or FF), truncate, insert or delete.</summary>
    public static byte[] Mutate(byte[] valid, Random rng)
    {
        var bytes = new List<byte>(valid);
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits; e++)
        {
            // Half the edits land in the first 64 bytes, where the headers are.
            int Position(int extra = 0) => bytes.Count + extra == 0 ? 0
                : rng.Next(2) == 0 ? rng.Next(Math.Min(64, bytes.Count + extra)) : rng.Next(bytes.Count + extra);
            switch (rng.Next(6))
            {
                case 0 when bytes.Count > 0:
                    int i = Position();
                    bytes[i] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    int j = Position();
                    bytes[j] = rng.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => (byte)rng.Next(256) };
                    break;
                case 2:
                    int cut = rng.Next(bytes.Count + 1);
                    bytes.RemoveRange(cut, bytes.Count - cut);
                    break;
                case 3:
                    var insert = new byte[1 + rng.Next(16)];
                    rng.NextBytes(insert);
                    bytes.InsertRange(Position(1), insert);
                    break;
                case 4 when bytes.Count > 0:
                    int start = Position();
                    bytes.RemoveRange(start, Math.Min(bytes.Count - start, 1 + rng.Next(16)));
                    break;
                default:
                    // Four bytes of FF somewhere in the header: absurd lengths, counts and sizes.
                    int k = Position();
                    for (int b = k; b < Math.Min(bytes.Count, k + 4); b++) bytes[b] = 0xFF;
                    break;
            }
        }
        return bytes.ToArray();
    }

    /// <summary>
    /// Loads <paramref name="cases"/> mutations of <paramref name="valid"/> with <paramref name="load"/>,
    /// asserting each one succeeds or throws <see cref="BlindSpotsException"/> naming the file, within
    /// <paramref name="timeout"/>. Returns how many were refused (so a test can check the mutations bite).
    /// </summary>
    public static int LoadMutations(byte[] valid, int seed, int cases, string extension, Action<string> load, TimeSpan timeout)
    {
        var rng = new Random(seed);
        using var folder = new TempFolder();
        int refused = 0;
        for (int c = 0; c < cases; c++)
        {
            byte[] mutated = Mutate(valid, rng);
            string path = folder.Write($"case{c}{extension}", mutated);
            var task = Task.Run(() => load(path));
            bool finished;
            try
            {
                finished = task.Wait(timeout);
            }
            catch (AggregateException e) when (e.InnerException is BlindSpotsException b)
            {
                Assert.Contains(path, b.Message);
                refused++;
                continue;
            }
            catch (AggregateException e)
            {
                Assert.Fail($"seed {seed} case {c}: {e.InnerException!.GetType().Name} instead of BlindSpotsException: {e.InnerException}");
                throw;
            }
            Assert.True(finished, $"seed {seed} case {c}: still loading after {timeout.TotalSeconds} s");
        }
        return refused;
    }
}
