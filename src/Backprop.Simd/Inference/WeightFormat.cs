namespace Backprop.Simd.Inference;

/// <summary>How a <see cref="FrozenModel{T}"/> stores its weights.</summary>
public enum WeightFormat
{
    /// <summary>The model's own element type: predictions are the network's own.</summary>
    Full,

    /// <summary>
    /// bfloat16 (8 significant bits, rounded to nearest even), for float models only. Half the bytes, so a model whose
    /// float weights overflow the core's L2 cache may fit it; biases, activations and all arithmetic stay float, and
    /// each prediction equals the float model's with every weight rounded to bfloat16.
    /// </summary>
    BFloat16,
}
