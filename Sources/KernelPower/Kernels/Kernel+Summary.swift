/// A kernel's shape in a few words, for listings a reader can hold against a profiler's trace.
extension Kernel.Shape {
    public var summary: String {
        switch self {
        case let .gemm(g):
            // The busiest GPU's products, which its time is; the mean GPU's, which its energy is, after them.
            let groups = (g.busiestBatch ?? g.expectedBatch).map { "\(formatNumber($0, significant: 3)) × " } ?? (g.batch > 1 ? "\(g.batch) × " : "")
            let weights = g.bBytes == 2 || !g.sharedB && !g.grouped ? "" : ", B \(formatNumber(g.bBytes * 8, significant: 3)) bit"
            let mean = g.busiestBatch == nil ? "" : g.expectedBatch.map { ", \(formatNumber($0, significant: 3)) on the mean GPU" } ?? ""
            return "gemm \(groups)\(g.m)×\(g.n)×\(g.k) \(g.unit.label)\(weights)\(mean)"
        case let .attention(a):
            let dims = a.valueHeadDim == a.headDim ? "d\(a.headDim)" : "d\(a.headDim)/\(a.valueHeadDim)"
            return "attention b\(a.batch) h\(a.heads)/\(a.kvHeads) q\(a.queryLength) kv\(a.kvLength) \(dims)"
                + (a.window.map { " window \($0)" } ?? "")
        case let .memory(m):
            return "stream \(Self.bytes(m.bytesRead + m.bytesWritten))"
        case let .collective(c) where c.kind == .send:
            return "send \(Self.bytes(c.bytes)) point to point" + (c.nodes > 1 ? " across nodes" : "")
        case let .collective(c):
            return "\(c.kind.rawValue) \(Self.bytes(c.bytes)) × \(c.participants)" + (c.nodes > 1 ? " over \(c.nodes) nodes" : "")
        }
    }

    static func bytes(_ b: Double) -> String {
        switch b {
        case ..<1e3: return "\(formatNumber(b, significant: 3)) B"
        case ..<1e6: return "\(formatNumber(b / 1e3, significant: 3)) kB"
        case ..<1e9: return "\(formatNumber(b / 1e6, significant: 3)) MB"
        default: return "\(formatNumber(b / 1e9, significant: 3)) GB"
        }
    }
}

extension MathUnit {
    /// "bf16 tensor", "fp8 tensor", "fp32 CUDA cores".
    public var label: String {
        switch self {
        case let .tensor(f): return "\(f.rawValue) tensor"
        case .cudaCoreFP32: return "fp32 CUDA cores"
        }
    }
}
