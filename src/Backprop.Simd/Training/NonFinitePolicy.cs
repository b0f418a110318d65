namespace Backprop.Simd.Training;

/// <summary>What <see cref="Trainer{T}.Step(CommunityToolkit.HighPerformance.ReadOnlySpan2D{T}, ReadOnlySpan{int}, ReadOnlySpan{T})"/> does when the loss or a gradient is NaN or infinite.</summary>
public enum NonFinitePolicy
{
    /// <summary>Throw a <see cref="NonFiniteTrainingException"/> (the default).</summary>
    Throw,
    /// <summary>Leave parameters and optimizer state untouched, count the step in <see cref="Trainer{T}.SkippedSteps"/> and go on.</summary>
    SkipStep,
}

/// <summary>Which quantity was first found non-finite.</summary>
public enum NonFiniteQuantity
{
    /// <summary>A layer's outputs in the forward pass.</summary>
    Activations,
    /// <summary>The loss, while every activation was finite.</summary>
    Loss,
    /// <summary>A layer's weight or bias gradients in the backward pass.</summary>
    Gradients,
    /// <summary>
    /// A layer's parameters after the optimizer's update (an update that overflowed, with finite gradients). The update
    /// has been applied; training cannot go on from it under any <see cref="NonFinitePolicy"/>.
    /// </summary>
    Parameters,
}
