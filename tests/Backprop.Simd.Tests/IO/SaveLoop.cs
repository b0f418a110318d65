using Backprop.Simd.IO;
using Backprop.Simd.Model;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// The child process of <see cref="KillDuringSaveTests"/>: saves generation 1, 2, 3, … of a large model to one path
/// for ever, until it is killed; it reports its first completed save on standard output.
/// </summary>
internal static class SaveLoop
{
    /// <summary>The environment variable naming the target; the test assembly's startup hook runs the loop when it is set.</summary>
    public const string TargetVariable = "BACKPROP_TEST_SAVE_LOOP_TARGET";

    private const int InputSize = 1000, Hidden = 1000, Outputs = 10;

    public static void Run(string target)
    {
        for (long generation = 1; ; generation++)
        {
            NativeModelFormat.Save(target, Model(generation));
            // Only the first save is reported: the parent stops reading then, and a full pipe must not stall the loop.
            if (generation == 1)
            {
                Console.Out.WriteLine("saved 1");
                Console.Out.Flush();
            }
        }
    }

    /// <summary>About a million float parameters (4 MB); the generation is the epoch, and the parameters depend on it.</summary>
    public static ModelDescription<float> Model(long generation)
    {
        Dense[] layers = [new(Hidden, Activation.Relu), new(Outputs, Activation.Identity)];
        var parameters = new float[ModelDescription.CountParameters(InputSize, layers)];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = (i % 1009) * 0.001f + generation;
        return new ModelDescription<float>(InputSize, layers, LossKind.SoftmaxCrossEntropy, parameters, epoch: generation,
            metadata: new Dictionary<string, string> { ["generation"] = generation.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }
}
