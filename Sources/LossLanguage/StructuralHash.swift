/// A hash of a node's structure that is the same in every process and for every spelling of the
/// same expression (unlike `Hasher`, which is seeded per process). Used to order commutative operands.
enum StructuralHash {
    static func of(_ op: Op, _ argumentHashes: [UInt64]) -> UInt64 {
        var h = mix(0x9E37_79B9_7F4A_7C15, opCode(op))
        for a in argumentHashes { h = mix(h, a) }
        return h
    }

    private static func opCode(_ op: Op) -> UInt64 {
        switch op {
        case let .input(input): mix(1, text(input.rawValue))
        case .beta: 2
        case .batchSize: 3
        case .index: 4
        case let .constant(value): mix(5, value.bitPattern)
        case let .fill(k): mix(6, UInt64(k))
        case let .unary(f): mix(7, text(f.rawValue))
        case let .binary(f): mix(8, text(f.rawValue))
        case let .compare(c): mix(9, text(c.rawValue))
        case .select: 10
        case let .reduce(r): mix(11, text(r.rawValue))
        case .concat: 12
        case .detach: 13
        }
    }

    /// FNV-1a over the UTF-8 bytes.
    private static func text(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in s.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return h
    }

    /// SplitMix64's finaliser applied to the combination of two words.
    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &+ 0x9E37_79B9_7F4A_7C15 &+ (b &* 0xBF58_476D_1CE4_E5B9)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
