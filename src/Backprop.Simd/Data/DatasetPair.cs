namespace Backprop.Simd.Data;

/// <summary>A training set and the held-out set it is evaluated on (test or validation), with the same classes.</summary>
/// <param name="Train">The samples to train on.</param>
/// <param name="Test">The held-out samples: a test set or a validation split.</param>
public sealed record DatasetPair(Dataset Train, Dataset Test);
