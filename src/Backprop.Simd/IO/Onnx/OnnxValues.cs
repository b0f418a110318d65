namespace Backprop.Simd.IO.Onnx;

// What each named value of an imported graph stands for. The reader turns the node list into these, then walks back
// from the graph output peeling one activation and one linear layer at a time.

/// <summary>A value of the graph; <see cref="Width"/> is its feature count where known.</summary>
internal abstract class OnnxValue
{
    public virtual int? Width => null;
}

/// <summary>The graph's one data input, [batch, features].</summary>
internal sealed class GraphInputValue(int? width) : OnnxValue
{
    public override int? Width => width;
}

/// <summary>An initializer or a Constant node's tensor, decoded only where a node uses it.</summary>
internal sealed class ConstantValue(OnnxTensor tensor) : OnnxValue
{
    public OnnxTensor Tensor => tensor;
}

/// <summary>A one-element float constant used as an operand of Add, Mul or Div.</summary>
internal sealed class ScalarValue(float value) : OnnxValue
{
    public float Value => value;
}

/// <summary>An elementwise node (Relu, Erf, Mul, ...) on values of the chain and scalars.</summary>
internal sealed class ElementwiseValue(OnnxNode node, int index, IReadOnlyList<OnnxValue> arguments, float alpha, bool tanhApproximation,
    int? width) : OnnxValue
{
    public OnnxNode Node => node;

    /// <summary>The node's position in the graph, to name the first node of a pattern that does not match.</summary>
    public int Index => index;

    public string OpType => node.OpType;

    public IReadOnlyList<OnnxValue> Arguments => arguments;

    /// <summary>LeakyRelu's or Elu's alpha.</summary>
    public float Alpha => alpha;

    /// <summary>Gelu's approximate = "tanh".</summary>
    public bool TanhApproximation => tanhApproximation;

    public override int? Width => width;
}

/// <summary>A Gemm, or a MatMul with the Add of its bias folded in: y = x·W + b with W as [in, out].</summary>
internal sealed class LinearValue(OnnxNode node, int index, OnnxValue input, float[] weights, float[]? bias, int fanIn, int fanOut) : OnnxValue
{
    public OnnxNode Node => node;

    public int Index => index;

    public OnnxValue Input => input;

    public float[] Weights => weights;

    /// <summary>The bias, or null while a MatMul still waits for the Add that may supply one (then it is zero).</summary>
    public float[]? Bias => bias;

    public int FanIn => fanIn;

    public int FanOut => fanOut;

    public override int? Width => fanOut;
}
