using System.Numerics;

namespace Backprop.Simd.Randomness;

/// <summary>
/// The xoshiro256** generator (Blackman &amp; Vigna), seeded through SplitMix64 as its authors recommend. It is the
/// project's own so that a seed gives bit-identical streams on every runtime and machine (System.Random makes no such
/// promise across versions), and it never allocates after construction.
/// </summary>
public sealed class Xoshiro256StarStar
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpareNormal;

    /// <summary>Creates a generator whose whole stream is determined by <paramref name="seed"/>.</summary>
    public Xoshiro256StarStar(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The number of words in <see cref="GetState"/>: the four xoshiro words, then the spare-normal flag and bits.</summary>
    public const int StateLength = 6;

    /// <summary>
    /// The generator's complete state, so a checkpoint can continue the stream exactly: s0..s3, then 1 or 0 for whether
    /// a spare normal sample is pending (see <see cref="NextNormal"/>), then that sample's IEEE 754 bits.
    /// </summary>
    public ulong[] GetState() =>
        [_s0, _s1, _s2, _s3, _hasSpareNormal ? 1UL : 0UL, BitConverter.DoubleToUInt64Bits(_spareNormal)];

    /// <summary>A generator that continues exactly where the one that produced <paramref name="state"/> (by <see cref="GetState"/>) stood.</summary>
    /// <param name="state"><see cref="StateLength"/> words as <see cref="GetState"/> returns them.</param>
    /// <exception cref="ArgumentException">The length is wrong, s0..s3 are all zero (a state xoshiro never leaves) or the flag is not 0 or 1.</exception>
    public static Xoshiro256StarStar FromState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != StateLength)
            throw new ArgumentException("The state has " + state.Length + " words; " + StateLength + " are required.", nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
            throw new ArgumentException("The state words s0..s3 are all zero, which xoshiro256** never produces.", nameof(state));
        if (state[4] > 1)
            throw new ArgumentException("The spare-normal flag (word 4) is " + state[4] + "; it must be 0 or 1.", nameof(state));
        return new Xoshiro256StarStar(0)
        {
            _s0 = state[0], _s1 = state[1], _s2 = state[2], _s3 = state[3],
            _hasSpareNormal = state[4] == 1, _spareNormal = BitConverter.UInt64BitsToDouble(state[5]),
        };
    }

    /// <summary>Continues a stream from a state captured with <see cref="State"/>.</summary>
    /// <exception cref="ArgumentException">The four state words are all zero (a state xoshiro never reaches).</exception>
    public Xoshiro256StarStar(Xoshiro256StarStarState state) => Restore(state);

    /// <summary>
    /// The whole state: the four xoshiro words and the spare Box–Muller sample. Restoring it with
    /// <see cref="Restore"/> (or the constructor) continues the stream exactly where it was captured, so a saved
    /// training run can resume with the same shuffles.
    /// </summary>
    public Xoshiro256StarStarState State => new(_s0, _s1, _s2, _s3, _hasSpareNormal, _spareNormal);

    /// <summary>Continues the stream from a state captured with <see cref="State"/>.</summary>
    /// <exception cref="ArgumentException">The four state words are all zero (a state xoshiro never reaches).</exception>
    public void Restore(Xoshiro256StarStarState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
            throw new ArgumentException("An all-zero xoshiro256** state would only ever produce zeros.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state.S0, state.S1, state.S2, state.S3);
        (_hasSpareNormal, _spareNormal) = (state.HasSpareNormal, state.SpareNormal);
    }

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A double uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A double uniform on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextUniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>A standard normal sample (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public double NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }
        double u1 = 1.0 - NextDouble(); // (0, 1]: keeps the logarithm finite
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        (double sin, double cos) = Math.SinCos(2.0 * Math.PI * u2);
        _spareNormal = radius * sin;
        _hasSpareNormal = true;
        return radius * cos;
    }

    /// <summary>An integer uniform on [0, <paramref name="maxExclusive"/>), without modulo bias (Lemire's method).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxExclusive"/> is not positive.</exception>
    public int NextInt32(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong range = (ulong)maxExclusive;
        UInt128 product = (UInt128)NextUInt64() * range;
        ulong low = (ulong)product;
        if (low < range)
        {
            ulong threshold = (0UL - range) % range;
            while (low < threshold)
            {
                product = (UInt128)NextUInt64() * range;
                low = (ulong)product;
            }
        }
        return (int)(product >> 64);
    }

    /// <summary>Shuffles <paramref name="items"/> in place by Fisher–Yates: every permutation equally likely.</summary>
    public void Shuffle<TItem>(Span<TItem> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt32(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>A snapshot of a <see cref="Xoshiro256StarStar"/> generator, for checkpoints.</summary>
/// <param name="S0">State word 0.</param>
/// <param name="S1">State word 1.</param>
/// <param name="S2">State word 2.</param>
/// <param name="S3">State word 3.</param>
/// <param name="HasSpareNormal">True when the next <see cref="Xoshiro256StarStar.NextNormal"/> returns <paramref name="SpareNormal"/>.</param>
/// <param name="SpareNormal">The second sample of the last Box–Muller pair, when <paramref name="HasSpareNormal"/>.</param>
public readonly record struct Xoshiro256StarStarState(ulong S0, ulong S1, ulong S2, ulong S3, bool HasSpareNormal = false,
    double SpareNormal = 0);
