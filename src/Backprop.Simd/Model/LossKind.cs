namespace Backprop.Simd.Model;

/// <summary>The losses a network trains against, as PyTorch defines them (reduction 'mean').</summary>
public enum LossKind
{
    /// <summary><c>nn.MSELoss</c>: mean over all elements of (y − t)².</summary>
    MeanSquaredError,
    /// <summary><c>nn.CrossEntropyLoss</c> on logits with integer class labels, optional label smoothing.</summary>
    SoftmaxCrossEntropy,
    /// <summary><c>nn.BCEWithLogitsLoss</c>: mean over all elements.</summary>
    BinaryCrossEntropyWithLogits,
}
