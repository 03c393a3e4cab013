namespace IlgpuBlindSpots.Network;

/// <summary>
/// A problem the user can fix — a bad option, file, shape or spec — told in one line that names
/// what is wrong. The command line prints the message alone and exits with code 2.
/// </summary>
public class BlindSpotsException : Exception
{
    /// <summary>A problem told by <paramref name="message"/>, one line naming what is wrong.</summary>
    public BlindSpotsException(string message) : base(message) { }
    /// <summary>A problem told by <paramref name="message"/>, caused by <paramref name="inner"/> (an I/O or parse error).</summary>
    public BlindSpotsException(string message, Exception inner) : base(message, inner) { }
}
