using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.IO;

/// <summary>Networks and trainers become model descriptions and files and come back exactly.</summary>
public sealed class ModelMappingTests : IDisposable
{
    // 5·7 + 7 + 7·3 + 3 = 66 parameters: not a whole number of vectors, so the network's storage is padded.
    private static readonly Dense[] Layers = [new(7, Activation.LeakyRelu(0.03)), new(3, Activation.Identity)];
    private const int Inputs = 5;
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-mapping-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_network_description_holds_the_architecture_and_exactly_the_logical_parameters()
    {
        var network = new Network<float>(Inputs, Layers, seed: 3);
        var metadata = new Dictionary<string, string> { ["classes"] = "a,b,c" };
        ModelDescription<float> model = ModelMapping.Describe(network, LossKind.SoftmaxCrossEntropy, metadata);

        Assert.Equal(66, model.ParameterCount);
        Assert.Equal(network.Parameters.ToArray(), model.Parameters);
        Assert.Equal(Inputs, model.InputSize);
        Assert.Equal([new Dense(7, Activation.LeakyRelu(0.03)), new Dense(3, Activation.Identity)], model.Layers);
        Assert.Equal(LossKind.SoftmaxCrossEntropy, model.Loss);
        Assert.Equal(metadata, model.Metadata);
        Assert.False(model.HasOptimizerState);
    }

    [Fact]
    public void A_network_saved_and_loaded_has_bit_identical_parameters_and_predictions()
    {
        var network = new Network<double>(Inputs, Layers, seed: 4);
        string path = Path.Combine(_folder, "net.bpm");
        ModelMapping.Save(path, network, LossKind.MeanSquaredError);
        Network<double> loaded = ModelMapping.LoadNetwork<double>(path);

        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Equal(network.Layers.ToArray(), loaded.Layers.ToArray());
        var inputs = new double[4, Inputs];
        for (int i = 0; i < inputs.Length; i++) inputs[i / Inputs, i % Inputs] = Math.Sin(i);
        var expected = new double[4, 3];
        var actual = new double[4, 3];
        new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Sgd(), 4).Predict(inputs, expected);
        new Trainer<double>(loaded, Loss.MeanSquaredError, OptimizerSettings.Sgd(), 4).Predict(inputs, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_network_exported_to_safetensors_imports_with_the_same_parameters()
    {
        var network = new Network<float>(Inputs, Layers, seed: 5);
        string path = Path.Combine(_folder, "net.safetensors");
        ModelMapping.ExportSafeTensors(path, network, LossKind.SoftmaxCrossEntropy);

        Network<float> imported = ModelMapping.ImportSafeTensors<float>(path);
        Assert.Equal(network.Parameters.ToArray(), imported.Parameters.ToArray());
        Assert.Equal(network.Layers.ToArray(), imported.Layers.ToArray());
        Assert.Equal(network.Weights(0)[2, 5], PyTorchSequential.Import(SafeTensorsFile.Load(path)).Parameters[2 * 7 + 5]);
    }

    public static TheoryData<OptimizerSettings> EverySettingSet => new()
    {
        // Every field carries an awkward value, used by the optimizer or not: all of them must survive.
        Odd(OptimizerKind.Sgd) with { Nesterov = true, Dampening = 0 },
        Odd(OptimizerKind.Adam),
        Odd(OptimizerKind.AdamW),
        Odd(OptimizerKind.RmsProp),
        Odd(OptimizerKind.Adagrad),
        Odd(OptimizerKind.Rprop),
        Odd(OptimizerKind.IRpropPlus),
    };

    [Theory]
    [MemberData(nameof(EverySettingSet))]
    public void Every_optimizer_setting_the_schedule_the_clip_norm_and_label_smoothing_round_trip_exactly(OptimizerSettings settings)
    {
        var loss = Loss.CrossEntropy(0.1 + 1e-17 * Math.PI);
        var schedule = LearningRateSchedule.CosineAnnealing(1234, 1.0 / 3e7).WithLinearWarmup(17, 0.123456789012345);
        var trainer = new Trainer<float>(new Network<float>(Inputs, Layers, seed: 6), loss, settings, maxBatch: 8)
        {
            Schedule = schedule,
            MaxGradientNorm = Math.E,
        };
        trainer.Optimizer.StepCount = 77;
        for (int b = 0; b < trainer.Optimizer.BufferCount; b++)
        {
            Span<float> buffer = trainer.Optimizer.Buffer(b);
            for (int i = 0; i < buffer.Length; i++) buffer[i] = MathF.Cos(i + 100 * b);
        }
        string path = Path.Combine(_folder, "trainer.bpm");
        ModelMapping.Save(path, trainer, epoch: 3, step: 80, rngState: [1, 2, 3, 4, 0, 0]);

        ModelDescription<float> saved = NativeModelFormat.Load<float>(path);
        Trainer<float> restored = ModelMapping.CreateTrainer(saved, maxBatch: 16);
        Assert.Equal(settings, restored.Optimizer.Settings);
        Assert.Equal(loss, restored.Loss);
        Assert.Equal(schedule, restored.Schedule);
        Assert.Equal(Math.E, restored.MaxGradientNorm);
        Assert.Equal(16, restored.MaxBatch);
        Assert.Equal(77, restored.StepCount);
        Assert.Equal(settings.Kind.ToString(), saved.Optimizer!.Kind);
        for (int b = 0; b < trainer.Optimizer.BufferCount; b++)
            Assert.Equal(trainer.Optimizer.Buffer(b).ToArray(), restored.Optimizer.Buffer(b).ToArray());
        Assert.Equal(trainer.Network.Parameters.ToArray(), restored.Network.Parameters.ToArray());
        Assert.Equal((3L, 80L), (saved.Epoch, saved.Step));
        Assert.Equal([1UL, 2, 3, 4, 0, 0], saved.RngState);
    }

    [Fact]
    public void Clipping_off_is_saved_as_no_clip_norm()
    {
        var trainer = new Trainer<float>(new Network<float>(Inputs, Layers), Loss.MeanSquaredError, OptimizerSettings.Adam(), 4);
        ModelDescription<float> model = ModelMapping.Describe(trainer, epoch: 0, step: 0);
        Assert.False(model.Optimizer!.HyperParameters.ContainsKey(TrainingHyperParameters.MaxGradientNorm));
        Assert.Null(ModelMapping.CreateTrainer(model, 4).MaxGradientNorm);
    }

    [Fact]
    public void A_model_without_optimizer_state_cannot_become_a_trainer()
    {
        var model = ModelMapping.Describe(new Network<float>(Inputs, Layers), LossKind.MeanSquaredError);
        var error = Assert.Throws<ModelFormatException>(() => ModelMapping.CreateTrainer(model, 4));
        Assert.Contains("no optimizer state", error.Message);
    }

    public static TheoryData<string, string> BrokenStates => new()
    {
        { "kind Lion", "Unknown optimizer kind 'Lion'" },
        { "kind adam", "Unknown optimizer kind 'adam'" },
        { "kind 1", "Unknown optimizer kind '1'" },
        { "without lr", "no hyper-parameter 'lr'" },
        { "without schedule.kind", "no hyper-parameter 'schedule.kind'" },
        { "lr -1", "learning rate is -1" },
        { "beta1 NaN", "beta1 is NaN" },
        { "nesterov 0.5", "'nesterov' is 0.5" },
        { "label_smoothing 2", "'label_smoothing' is 2" },
        { "schedule.kind 9", "'schedule.kind' is 9" },
        { "schedule.kind 1", "'schedule.step_size' is 0" },
        { "schedule.warmup_steps 1.5", "'schedule.warmup_steps' is 1.5" },
        { "max_grad_norm -1", "'max_grad_norm' is -1" },
        { "one buffer", "Adam keeps 2 state buffers but the file has 1" },
        { "class_weight.0 2", "has 1 class weights but the network has" },
    };

    [Theory]
    [MemberData(nameof(BrokenStates))]
    public void An_optimizer_state_no_trainer_could_have_written_is_a_format_error_naming_the_problem(string change, string message)
    {
        var trainer = new Trainer<float>(new Network<float>(Inputs, Layers), Loss.CrossEntropy(), OptimizerSettings.Adam(), 4);
        ModelDescription<float> good = ModelMapping.Describe(trainer, epoch: 0, step: 0);
        OptimizerStateDescription<float> state = good.Optimizer!;
        string kind = state.Kind;
        var values = new Dictionary<string, double>(state.HyperParameters);
        var buffers = state.Buffers.ToList();
        string[] words = change.Split(' ');
        if (words[0] == "kind") kind = words[1];
        else if (words[0] == "without") values.Remove(words[1]);
        else if (words[0] == "one") buffers.RemoveAt(1);
        else values[words[0]] = double.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture);
        var broken = new ModelDescription<float>(good.InputSize, good.Layers, good.Loss, good.Parameters,
            new OptimizerStateDescription<float>(kind, values, state.StepCount, buffers));

        var error = Assert.Throws<ModelFormatException>(() => ModelMapping.CreateTrainer(broken, 4));
        Assert.Contains(message, error.Message);
    }

    private static OptimizerSettings Odd(OptimizerKind kind) => new()
    {
        Kind = kind,
        LearningRate = 0.1 / 3,
        WeightDecay = 1e-5 * Math.PI,
        Momentum = 0.9 + 1e-16,
        Dampening = 1.0 / 7,
        Nesterov = false,
        Beta1 = 0.8999999999999999,
        Beta2 = 0.9990000000000001,
        Epsilon = double.Epsilon,
        Alpha = 0.98765432109876,
        Centered = true,
        LearningRateDecay = 1e-300,
        InitialAccumulatorValue = 0.25 + 1e-16,
        EtaMinus = 0.5 - 1e-16,
        EtaPlus = 1.2 + 1e-15,
        MinStepSize = 1e-6 / 3,
        MaxStepSize = 50.0 / 7,
    };
}
