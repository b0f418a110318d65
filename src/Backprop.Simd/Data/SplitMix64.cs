namespace Backprop.Simd.Data;

/// <summary>
/// A minimal seeded generator (SplitMix64, Steele et al. 2014) so that data splits are identical on every platform and
/// .NET version; System.Random's seeded sequence is not guaranteed to stay the same across versions.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in <c>[0, bound)</c>, without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextInt(int bound)
    {
        ulong range = (ulong)bound;
        UInt128 product = (UInt128)Next() * range;
        if ((ulong)product < range)
        {
            ulong threshold = (0UL - range) % range;
            while ((ulong)product < threshold) product = (UInt128)Next() * range;
        }
        return (int)(product >> 64);
    }
}
