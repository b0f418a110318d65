using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// Mutated model files (bit flips, truncations, extreme sizes, swapped regions and offsets) either load or throw
/// <see cref="ModelFormatException"/>: never another exception, never a hang. Half of the native cases recompute the
/// checksum so the mutations reach the field checks behind it. Run the long version with
/// <c>dotnet test tests/Backprop.Simd.Tests -c Release --filter Category=Fuzz</c>.
/// </summary>
public sealed partial class ModelFileFuzzTests(ITestOutputHelper output)
{
    private const int QuickCases = 3_000, LongCases = 100_000;

    [Fact]
    public void Mutated_native_files_load_or_throw_ModelFormatException() => FuzzNative(QuickCases, seed: 1);

    [Fact]
    public void Mutated_safetensors_files_load_or_throw_ModelFormatException() => FuzzSafeTensors(QuickCases, seed: 2);

    [Fact]
    [Trait("Category", "Fuzz")]
    public void Long_fuzz_of_native_files() => FuzzNative(LongCases, seed: 101);

    [Fact]
    [Trait("Category", "Fuzz")]
    public void Long_fuzz_of_safetensors_files() => FuzzSafeTensors(LongCases, seed: 102);

    private void FuzzNative(int cases, int seed)
    {
        byte[] valid = ModelSamples.NativeBytes(SmallModel());
        Run("native", cases, seed, random =>
        {
            var (bytes, description) = MutateBytes(valid, random);
            if (random.Next(2) == 0)
            {
                NativeModelFormatTests.Reseal(bytes);
                description += ", checksum resealed";
            }
            return (bytes, description);
        }, bytes =>
        {
            var model = ModelSamples.ReadNative(bytes);
            // Whatever loads must be a valid description that can be written again.
            NativeModelFormat.Write(Stream.Null, model);
        });
    }

    private void FuzzSafeTensors(int cases, int seed)
    {
        byte[] valid = ModelSamples.SafeTensorsBytes(PyTorchSequential.Export(SmallModel()));
        Run("safetensors", cases, seed, random => random.Next(5) < 2 ? MutateJson(valid, random) : MutateBytes(valid, random),
            bytes => PyTorchSequential.Import(ModelSamples.ReadSafeTensors(bytes)));
    }

    private void Run(string format, int cases, int seed, Func<Random, (byte[] Bytes, string Description)> mutate, Action<byte[]> load)
    {
        var random = new Random(seed);
        int loaded = 0, rejected = 0;
        var failures = new List<string>();
        var messages = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var (bytes, description) = mutate(random);
            try
            {
                load(bytes);
                loaded++;
            }
            catch (ModelFormatException e)
            {
                rejected++;
                string kind = e.Message.Length > 40 ? e.Message[..40] : e.Message;
                messages[kind] = messages.GetValueOrDefault(kind) + 1;
            }
#pragma warning disable CA1031 // Any other exception is exactly what this test looks for.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Add($"case {i} ({description}): {e.GetType().Name}: {e.Message}");
            }
        }
        output.WriteLine($"{format}: {cases} cases in {clock.Elapsed.TotalSeconds:F1} s: {loaded} loaded, {rejected} rejected, {failures.Count} other exceptions.");
        foreach (var (kind, count) in messages.OrderByDescending(p => p.Value).Take(12)) output.WriteLine($"  {count,6}  {kind}…");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} {format} cases threw something else:\n" + string.Join("\n", failures.Take(10)));
    }

    private static ModelDescription<float> SmallModel()
    {
        Dense[] layers = [new(3, Activation.Elu(0.5)), new(2, Activation.Sigmoid)];
        int count = ModelDescription.CountParameters(2, layers);
        var random = new Random(5);
        var optimizer = new OptimizerStateDescription<float>("Adam", new Dictionary<string, double> { ["lr"] = 0.01, ["beta1"] = 0.9 }, 3,
            [ModelSamples.RandomValues<float>(random, count), ModelSamples.RandomValues<float>(random, count)]);
        return new ModelDescription<float>(2, layers, LossKind.BinaryCrossEntropyWithLogits, ModelSamples.RandomValues<float>(random, count),
            optimizer, epoch: 1, step: 9, [1, 2, 3, 4], new Dictionary<string, string> { ["classes"] = "a,b", ["mean"] = "0.5" });
    }

    private static readonly long[] ExtremeValues =
        [0, 1, -1, 2, 7, 8, 255, 65535, int.MaxValue, uint.MaxValue, 0x80000000, long.MaxValue, long.MinValue, 100_000_000, 1L << 40];

    /// <summary>One to three byte-level mutations; returns the new bytes and what was done.</summary>
    internal static (byte[], string) MutateBytes(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        var description = new StringBuilder();
        for (int m = random.Next(1, 4); m > 0 && bytes.Count > 0; m--)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                    int bit = random.Next(8);
                    bytes[at] ^= (byte)(1 << bit);
                    description.Append(CultureInfo.InvariantCulture, $"flip bit {bit} at {at}; ");
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    description.Append(CultureInfo.InvariantCulture, $"truncate to {at}; ");
                    break;
                case 2:
                    int width = random.Next(2) == 0 ? 4 : 8;
                    int field = Math.Max(0, Math.Min(at & ~(width - 1), bytes.Count - width));
                    long value = random.Next(4) == 0 ? random.NextInt64() : ExtremeValues[random.Next(ExtremeValues.Length)];
                    for (int b = 0; b < width && field + b < bytes.Count; b++) bytes[field + b] = (byte)(value >> (8 * b));
                    description.Append(CultureInfo.InvariantCulture, $"write {value} as {width} bytes at {field}; ");
                    break;
                case 3:
                    int other = random.Next(bytes.Count), length = Math.Min(8, Math.Min(bytes.Count - at, bytes.Count - other));
                    for (int b = 0; b < length; b++) (bytes[at + b], bytes[other + b]) = (bytes[other + b], bytes[at + b]);
                    description.Append(CultureInfo.InvariantCulture, $"swap {length} bytes at {at} and {other}; ");
                    break;
                case 4:
                    int count = random.Next(1, 9);
                    for (int b = 0; b < count; b++) bytes.Insert(at, (byte)random.Next(256));
                    description.Append(CultureInfo.InvariantCulture, $"insert {count} bytes at {at}; ");
                    break;
                case 5:
                    int remove = Math.Min(random.Next(1, 17), bytes.Count - at);
                    bytes.RemoveRange(at, remove);
                    description.Append(CultureInfo.InvariantCulture, $"delete {remove} bytes at {at}; ");
                    break;
                default:
                    int source = random.Next(bytes.Count), copy = Math.Min(16, bytes.Count - source);
                    bytes.InsertRange(at, bytes.GetRange(source, copy));
                    description.Append(CultureInfo.InvariantCulture, $"duplicate {copy} bytes from {source} at {at}; ");
                    break;
            }
        }
        return ([.. bytes], description.ToString());
    }

    private static readonly string[] JsonNumbers =
        ["-1", "0", "1", "3", "4294967296", "2147483648", "9223372036854775807", "18446744073709551616", "1e3", "0.5", "null", "\"4\"", "[]"];

    private static readonly string[] JsonSnippets = ["{", "}", "[", "]", ",", "\"", ":", "\"dtype\"", "\"F16\"", "\"BF16\"", "\"F64\"", "\"I8\"", "\"__metadata__\"", "\\u0000"];

    [GeneratedRegex("-?[0-9]+")]
    private static partial Regex NumberPattern();

    /// <summary>Edits the JSON header (numbers, offsets, dtypes, syntax), usually fixing up the header length.</summary>
    internal static (byte[], string) MutateJson(byte[] valid, Random random)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        string json = Encoding.UTF8.GetString(valid, 8, headerLength);
        var numbers = NumberPattern().Matches(json);
        string description;
        switch (random.Next(4))
        {
            case 0:
                var target = numbers[random.Next(numbers.Count)];
                string replacement = random.Next(3) == 0
                    ? (long.Parse(target.Value, CultureInfo.InvariantCulture) + random.Next(-8, 9)).ToString(CultureInfo.InvariantCulture)
                    : JsonNumbers[random.Next(JsonNumbers.Length)];
                json = json[..target.Index] + replacement + json[(target.Index + target.Length)..];
                description = $"number {target.Value} at {target.Index} -> {replacement}";
                break;
            case 1:
                var a = numbers[random.Next(numbers.Count)];
                var b = numbers[random.Next(numbers.Count)];
                if (a.Index > b.Index) (a, b) = (b, a);
                if (a.Index != b.Index)
                    json = json[..a.Index] + b.Value + json[(a.Index + a.Length)..b.Index] + a.Value + json[(b.Index + b.Length)..];
                description = $"swap numbers at {a.Index} and {b.Index}";
                break;
            case 2:
                json = json.Replace("\"F32\"", JsonSnippets[8 + random.Next(4)], StringComparison.Ordinal);
                description = "change every dtype";
                break;
            default:
                int at = random.Next(json.Length + 1);
                string snippet = JsonSnippets[random.Next(JsonSnippets.Length)];
                json = random.Next(2) == 0 ? json[..at] + snippet + json[at..] : json[..at] + json[Math.Min(json.Length, at + 1)..];
                description = $"edit JSON at {at} with '{snippet}'";
                break;
        }
        byte[] header = Encoding.UTF8.GetBytes(json);
        bool fixLength = random.Next(5) != 0;
        var bytes = new byte[8 + header.Length + valid.Length - 8 - headerLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, fixLength ? (ulong)header.Length : (ulong)headerLength);
        header.CopyTo(bytes, 8);
        valid.AsSpan(8 + headerLength).CopyTo(bytes.AsSpan(8 + header.Length));
        return (bytes, description + (fixLength ? "" : ", stale header length"));
    }
}
