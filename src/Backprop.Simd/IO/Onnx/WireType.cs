namespace Backprop.Simd.IO.Onnx;

/// <summary>The protobuf wire types ONNX uses; the group types 3 and 4 are deprecated and never appear in ONNX.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}
