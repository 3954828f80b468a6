/// An immutable float32 array whose first element sits on a cache-line (64-byte) boundary, so that
/// the trainer's eight-lane loads of a 32-feature row never straddle two lines (unaligned, they
/// made the gradient's weighted row sums a third slower).
public final class AlignedFloats: @unchecked Sendable {
    // @unchecked: the memory is written once, in init, and only read after.
    public let count: Int
    let base: UnsafeMutablePointer<Float>

    public init(_ values: [Float]) {
        count = values.count
        base = UnsafeMutableRawPointer.allocate(byteCount: max(values.count, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { source in
            if let from = source.baseAddress { base.initialize(from: from, count: values.count) }
        }
    }

    deinit { base.deallocate() }

    public subscript(index: Int) -> Float {
        precondition(index >= 0 && index < count, "index \(index) outside 0..<\(count)")
        return base[index]
    }
}
