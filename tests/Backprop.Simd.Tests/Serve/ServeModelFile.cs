using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Serve;

/// <summary>A small digits model saved in the native format, and the session that is the oracle for what a server answers.</summary>
internal static class ServeModelFile
{
    public const int Inputs = 64, Outputs = 10;

    public static string Save(TempFolder folder, string name = "digits.bpm", ulong seed = 11, int hidden = 32)
    {
        var network = new Network<float>(Inputs, [new Dense(hidden, Activation.Relu), new Dense(Outputs)], seed: seed);
        string path = folder.File(name);
        ModelMapping.Save(path, network, LossKind.SoftmaxCrossEntropy);
        return path;
    }

    public static InferenceSession<float> Oracle(string path) =>
        FrozenModel<float>.From(NativeModelFormat.Load<float>(path)).CreateSession(maxBatch: 1);
}
