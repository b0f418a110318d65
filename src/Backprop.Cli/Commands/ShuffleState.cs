using Backprop.Simd.Randomness;

namespace Backprop.Cli.Commands;

/// <summary>
/// The fit loop's shuffling generator state as the words a model file stores (<see cref="Xoshiro256StarStar.GetState"/>'s
/// layout), and back, so that <c>train --resume</c> continues with the same shuffles.
/// </summary>
internal static class ShuffleState
{
    public static ulong[] ToWords(Xoshiro256StarStarState state) =>
        [state.S0, state.S1, state.S2, state.S3, state.HasSpareNormal ? 1UL : 0UL, BitConverter.DoubleToUInt64Bits(state.SpareNormal)];

    /// <exception cref="UsageException">The file holds no generator state (it was not saved by <c>train --save</c>).</exception>
    public static Xoshiro256StarStarState FromWords(IReadOnlyList<ulong> words)
    {
        if (words.Count != Xoshiro256StarStar.StateLength)
            throw new UsageException("The checkpoint holds no shuffling state; only files written by train --save can be resumed.");
        return Xoshiro256StarStar.FromState([.. words]).State;
    }
}
