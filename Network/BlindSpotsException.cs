namespace IlgpuBlindSpots.Network;

/// <summary>
/// A problem the user can fix — a bad option, file, shape or spec — told in one line that names
/// what is wrong. The command line prints the message alone and exits with code 2.
/// </summary>
public class BlindSpotsException : Exception
{
    public BlindSpotsException(string message) : base(message) { }
    public BlindSpotsException(string message, Exception inner) : base(message, inner) { }
}
