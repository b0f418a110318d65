using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.IO.Onnx;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;

// Build W1, save it in the native format, load it back, take it through ONNX and back, freeze it and predict one row:
// the whole service path, model formats included.
var network = new Network<float>(784, [new Dense(256, Activation.Relu), new Dense(128, Activation.Relu), new Dense(10)], seed: 1);
Dense[] layers = [new(256, Activation.Relu), new(128, Activation.Relu), new(10, Activation.Identity)];
using var file = new MemoryStream();
NativeModelFormat.Write(file, new ModelDescription<float>(784, layers, LossKind.SoftmaxCrossEntropy, network.Parameters.ToArray()));
file.Position = 0;
var loaded = (ModelDescription<float>)NativeModelFormat.Read(file);
var model = FrozenModel<float>.From(OnnxModel.Import(OnnxModel.Export(loaded), LossKind.SoftmaxCrossEntropy));

InferenceSession<float> session = model.CreateSession();
var input = new float[784];
for (int i = 0; i < input.Length; i++) input[i] = i % 17 / 17f;
var probabilities = new float[10];
session.PredictProbabilities(input, probabilities);
Console.WriteLine("SIMD " + SimdSupport.Active + "; class " + session.PredictClass(input) + "; p = "
    + string.Join(" ", Array.ConvertAll(probabilities, p => p.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))));
