using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Training;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// Issue 14, item 4: a mutated checkpoint goes the whole way — load, freeze, predict, create the trainer, step, resume
/// the shuffling generator — and only <see cref="ModelFormatException"/> leaves it. A step may also end in
/// <see cref="NonFiniteTrainingException"/>: a valid file may hold finite weights too large to train on. The long run
/// (1,000,000 mutations of each format) is in the Fuzz category.
/// </summary>
public sealed class WholePathFuzzTests(ITestOutputHelper output)
{
    private const int QuickCases = 2_000, LongCases = 1_000_000;

    [Fact]
    public void Mutated_checkpoints_go_the_whole_way_or_throw_ModelFormatException() => Fuzz(QuickCases, seed: 11);

    [Fact]
    [Trait("Category", "Fuzz")]
    public void Long_whole_path_fuzz_of_a_million_mutations_per_format() => Fuzz(LongCases, seed: 111);

    private static ModelDescription<float> Checkpoint()
    {
        var network = new Network<float>(3, [new Dense(4, Activation.Relu), new Dense(3)], seed: 3);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(), maxBatch: 4) { MaxGradientNorm = 2 };
        trainer.SetClassWeights([1f, 2f, 0.5f]);
        trainer.Step(new float[,] { { 1, 0, 0 }, { 0, 1, 0 } }, [0, 2]);
        var rng = new Xoshiro256StarStar(7);
        return ModelMapping.Describe(trainer, epoch: 1, step: trainer.StepCount, rng.State.ToWords(),
            new Dictionary<string, string> { ["classes"] = "[\"a\",\"b\",\"c\"]" });
    }

    private static void WholePath(ModelDescription<float> model)
    {
        FrozenModel<float> frozen = FrozenModel<float>.From(model);
        frozen.CreateSession().PredictClass(new float[frozen.InputSize]);
        Trainer<float> trainer = ModelMapping.CreateTrainer(model, maxBatch: 2);
        var inputs = new float[2, model.InputSize];
        inputs[0, 0] = 1;
        try { trainer.Step(inputs, [0, model.OutputSize - 1]); }
        catch (NonFiniteTrainingException) { }
        if (model.RngState.Count > 0) new Xoshiro256StarStar(ModelMapping.GeneratorState(model)).NextUInt64();
    }

    private void Fuzz(int cases, int seed)
    {
        ModelDescription<float> checkpoint = Checkpoint();
        WholePath(checkpoint);
        byte[] native = ModelSamples.NativeBytes(checkpoint);
        Run("native", cases, seed, random =>
        {
            var (bytes, description) = ModelFileFuzzTests.MutateBytes(native, random);
            if (random.Next(2) == 0) NativeModelFormatTests.Reseal(bytes);
            return (bytes, description);
        }, bytes => WholePath(Assert.IsType<ModelDescription<float>>(ModelSamples.ReadNative(bytes))));

        byte[] safetensors = ModelSamples.SafeTensorsBytes(PyTorchSequential.Export(checkpoint));
        Run("safetensors", cases, seed + 1,
            random => random.Next(5) < 2 ? ModelFileFuzzTests.MutateJson(safetensors, random) : ModelFileFuzzTests.MutateBytes(safetensors, random),
            bytes =>
            {
                ModelDescription<float> model = PyTorchSequential.Import(ModelSamples.ReadSafeTensors(bytes));
                FrozenModel<float>.From(model).CreateSession().PredictClass(new float[model.InputSize]);
            });
    }

    private void Run(string format, int cases, int seed, Func<Random, (byte[] Bytes, string Description)> mutate, Action<byte[]> path)
    {
        var random = new Random(seed);
        int passed = 0, rejected = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var (bytes, description) = mutate(random);
            try
            {
                path(bytes);
                passed++;
            }
            catch (ModelFormatException) { rejected++; }
#pragma warning disable CA1031 // Any other exception is exactly what this test looks for.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (failures.Count < 10) failures.Add($"case {i} ({description}): {e.GetType().Name}: {e.Message}");
                else failures.Add("");
            }
        }
        output.WriteLine($"{format}: {cases} cases in {clock.Elapsed.TotalSeconds:F1} s: {passed} went the whole way, {rejected} rejected.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} {format} cases threw something else:\n" + string.Join("\n", failures.Take(10)));
    }

    private static byte[] SafeTensorsWithHeader(string json)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    [Theory]
    [InlineData("""{"\ud800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"x":{"dtype":"\ud800","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"__metadata__":{"\ud800":"v"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"__metadata__":{"k":"\udc00"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"dtype":"F64"}}""")]
    [InlineData("""{"x":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}""")]
    public void Hostile_safetensors_headers_are_ModelFormatException(string json)
    {
        Assert.Throws<ModelFormatException>(() => ModelSamples.ReadSafeTensors(SafeTensorsWithHeader(json)));
    }

    [Fact]
    public void A_class_weight_beyond_float_is_ModelFormatException_not_infinity()
    {
        ModelDescription<float> checkpoint = Checkpoint();
        var hyper = new Dictionary<string, double>(checkpoint.Optimizer!.HyperParameters) { ["class_weight.1"] = 1e308 };
        var hostile = new ModelDescription<float>(checkpoint.InputSize, checkpoint.Layers, checkpoint.Loss, checkpoint.Parameters,
            new OptimizerStateDescription<float>(checkpoint.Optimizer.Kind, hyper, checkpoint.Optimizer.StepCount, checkpoint.Optimizer.Buffers),
            checkpoint.Epoch, checkpoint.Step, checkpoint.RngState, checkpoint.Metadata);
        var error = Assert.Throws<ModelFormatException>(() => ModelMapping.CreateTrainer(hostile, 2));
        Assert.Contains("class_weight.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_generator_state_no_generator_can_have_is_ModelFormatException()
    {
        ModelDescription<float> checkpoint = Checkpoint();
        var hostile = new ModelDescription<float>(checkpoint.InputSize, checkpoint.Layers, checkpoint.Loss, checkpoint.Parameters,
            checkpoint.Optimizer, checkpoint.Epoch, checkpoint.Step, [0, 0, 0, 0, 0, 0], checkpoint.Metadata);
        Assert.Throws<ModelFormatException>(() => ModelMapping.GeneratorState(hostile));
        var wrongLength = new ModelDescription<float>(checkpoint.InputSize, checkpoint.Layers, checkpoint.Loss, checkpoint.Parameters,
            checkpoint.Optimizer, checkpoint.Epoch, checkpoint.Step, [1, 2, 3], checkpoint.Metadata);
        Assert.Throws<ModelFormatException>(() => ModelMapping.GeneratorState(wrongLength));
    }
}
