// Tests for the GEMM kernels (Sources/CKernels/gemm.c): ork_gemm_nn/tn/nt
// under every instruction set this CPU supports, against the scalar
// reference bodies (`ork_gemm_*_ref`), over sizes with every kind of
// remainder, leading dimensions wider than the matrices, and accumulate on
// and off; plus split invariance: C computed as two row blocks or two column
// blocks (sub-pointers, same leading dimensions) must equal one call bit for
// bit, for every ISA.

import CKernels
import Tensor
import Testing

/// Relative tolerance of a GEMM result against the reference, per element,
/// relative to |c before| + sum over k of |a||b| (the vector bodies fuse
/// multiply-adds and the nt dot products sum strided lanes).
let gemmTolerance: Double = 1e-5

// MARK: - helpers

/// At least one element, so `baseAddress` is never nil.
private func gemmRandom(_ count: Int, seed: UInt64) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    return (0..<max(count, 1)).map { _ in rng.uniform(-1, 1) }
}

enum GEMMTestOp: String, CaseIterable, CustomStringConvertible {
    case nn, tn, nt
    var description: String { rawValue }

    typealias Fn = (Int, Int, Int, UnsafePointer<Float>?, Int, UnsafePointer<Float>?, Int,
                    UnsafeMutablePointer<Float>?, Int, Int32) -> Void

    var entry: Fn {
        switch self {
        case .nn: return ork_gemm_nn
        case .tn: return ork_gemm_tn
        case .nt: return ork_gemm_nt
        }
    }
    var reference: Fn {
        switch self {
        case .nn: return ork_gemm_nn_ref
        case .tn: return ork_gemm_tn_ref
        case .nt: return ork_gemm_nt_ref
        }
    }
    /// Stored shape (rows, logical columns) of A and B for C (m×n) over k.
    func aShape(m: Int, k: Int) -> (rows: Int, cols: Int) { self == .tn ? (k, m) : (m, k) }
    func bShape(n: Int, k: Int) -> (rows: Int, cols: Int) { self == .nt ? (n, k) : (k, n) }
    /// A(i, p) and B(p, j) as stored.
    func a(_ x: [Float], _ i: Int, _ p: Int, lda: Int) -> Float { self == .tn ? x[p * lda + i] : x[i * lda + p] }
    func b(_ x: [Float], _ p: Int, _ j: Int, ldb: Int) -> Float { self == .nt ? x[j * ldb + p] : x[p * ldb + j] }
    /// Offsets of the sub-matrices starting at row r of C (in A) or column s of C (in B).
    func aRowOffset(_ r: Int, lda: Int) -> Int { self == .tn ? r : r * lda }
    func bColumnOffset(_ s: Int, ldb: Int) -> Int { self == .nt ? s * ldb : s }
}

/// Matrices for one product: A, B, C (C padded with ldc > n), leading dims.
private struct GEMMCase: CustomStringConvertible {
    let op: GEMMTestOp
    let m: Int, n: Int, k: Int
    let lda: Int, ldb: Int, ldc: Int
    let a: [Float], b: [Float], c0: [Float]

    init(_ op: GEMMTestOp, m: Int, n: Int, k: Int, pad: Int, seed: UInt64) {
        self.op = op
        self.m = m; self.n = n; self.k = k
        let ash = op.aShape(m: m, k: k), bsh = op.bShape(n: n, k: k)
        lda = ash.cols + pad
        ldb = bsh.cols + (pad * 3) % 7
        ldc = n + (pad * 5) % 4
        a = gemmRandom(ash.rows * lda, seed: seed)
        b = gemmRandom(bsh.rows * ldb, seed: seed &+ 1)
        c0 = gemmRandom(m * ldc, seed: seed &+ 2)
    }

    var description: String { "\(op) m=\(m) n=\(n) k=\(k) lda=\(lda) ldb=\(ldb) ldc=\(ldc)" }

    func run(_ fn: GEMMTestOp.Fn, accumulate: Bool) -> [Float] {
        var c = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    fn(m, n, k, pa.baseAddress, lda, pb.baseAddress, ldb, pc.baseAddress, ldc, accumulate ? 1 : 0)
                }
            }
        }
        return c
    }

    /// C as rows [0, r) and [r, m) in two calls.
    func runRowSplit(_ fn: GEMMTestOp.Fn, at r: Int, accumulate: Bool) -> [Float] {
        var c = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    let acc: Int32 = accumulate ? 1 : 0
                    fn(r, n, k, pa.baseAddress, lda, pb.baseAddress, ldb, pc.baseAddress, ldc, acc)
                    fn(m - r, n, k, pa.baseAddress! + op.aRowOffset(r, lda: lda), lda, pb.baseAddress, ldb,
                       pc.baseAddress! + r * ldc, ldc, acc)
                }
            }
        }
        return c
    }

    /// C as columns [0, s) and [s, n) in two calls.
    func runColumnSplit(_ fn: GEMMTestOp.Fn, at s: Int, accumulate: Bool) -> [Float] {
        var c = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    let acc: Int32 = accumulate ? 1 : 0
                    fn(m, s, k, pa.baseAddress, lda, pb.baseAddress, ldb, pc.baseAddress, ldc, acc)
                    fn(m, n - s, k, pa.baseAddress, lda, pb.baseAddress! + op.bColumnOffset(s, ldb: ldb), ldb,
                       pc.baseAddress! + s, ldc, acc)
                }
            }
        }
        return c
    }

    /// Per element of C (m×n, dense): |c before| (with accumulate) + sum over k of |a||b|.
    func scales(accumulate: Bool) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = accumulate ? Double(abs(c0[i * ldc + j])) : 0
                for p in 0..<k { s += Double(abs(op.a(a, i, p, lda: lda) * op.b(b, p, j, ldb: ldb))) }
                out[i * n + j] = s
            }
        }
        return out
    }

    /// Records an issue unless `got` matches `want` within gemmTolerance
    /// (relative to `scale`, from scales(accumulate:)) on the logical m×n part
    /// and leaves the padding columns of C untouched.
    func check(_ got: [Float], against want: [Float], scale: [Double], accumulate: Bool, _ label: String,
               sourceLocation: SourceLocation = #_sourceLocation) {
        for i in 0..<m {
            for j in 0..<ldc {
                let idx = i * ldc + j
                if j >= n {
                    if got[idx].bitPattern != c0[idx].bitPattern {
                        Issue.record("\(label) \(self): padding C[\(i), \(j)] written", sourceLocation: sourceLocation)
                        return
                    }
                    continue
                }
                let scale = scale[i * n + j]
                let err = abs(Double(got[idx]) - Double(want[idx]))
                if !(err <= gemmTolerance * scale + 1e-30) {
                    Issue.record("\(label) \(self) acc=\(accumulate): C[\(i), \(j)] = \(got[idx]), reference \(want[idx]) (scale \(scale))",
                                 sourceLocation: sourceLocation)
                    return
                }
            }
        }
    }
}

private func expectSameBits(_ got: [Float], _ want: [Float], _ label: @autoclosure () -> String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(label()): count", sourceLocation: sourceLocation)
    guard got.count == want.count else { return }
    if let i = got.indices.first(where: { got[$0].bitPattern != want[$0].bitPattern }) {
        Issue.record("\(label()): first difference at \(i): \(got[i]) vs one call \(want[i])",
                     sourceLocation: sourceLocation)
    }
}

/// The ISAs this CPU supports, scalar first.
private func gemmISAs() -> [ork_isa] {
    let best = ork_detect_isa().rawValue
    return [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512].filter { $0.rawValue <= best }
}

/// Runs `body` once per supported ISA with that ISA forced, then restores the
/// ISA that was active before.
private func forEachGEMMISA(_ body: (String) throws -> Void) rethrows {
    let saved = ork_active_isa()
    defer { ork_set_isa(saved) }
    for isa in gemmISAs() {
        #expect(ork_set_isa(isa) == isa)
        try body(String(cString: ork_isa_name(isa)))
    }
}

/// Sizes with every remainder of the 12/6-row, 32/16/8-column, 16/8-lane and
/// 4-row tiles, 0 and 1 included.
private let gemmSizes = [0, 1, 3, 7, 12, 13, 17, 31, 32, 33, 65]
/// k values: below and above the nt dot-product threshold (64) and the k
/// chunk (256), with lane remainders.
private let gemmKs = [0, 1, 3, 7, 16, 17, 31, 63, 64, 65, 130, 300]

/// (m, n, k, pad) for the reference comparisons: every m×n pair with k
/// cycling, plus every k for a few shapes.
private func gemmShapes() -> [(Int, Int, Int, Int)] {
    var shapes: [(Int, Int, Int, Int)] = []
    var t = 0
    for m in gemmSizes {
        for n in gemmSizes {
            shapes.append((m, n, gemmKs[t % gemmKs.count], t % 5))
            t += 1
        }
    }
    for (m, n) in [(13, 33), (65, 17), (1, 70), (30, 9)] {
        for k in gemmKs { shapes.append((m, n, k, (m + k) % 3)) }
    }
    return shapes
}

// MARK: - tests

@Suite(.serialized)
struct GEMMKernelTests {
    @Test(arguments: GEMMTestOp.allCases)
    func matchesReferenceOnEveryISA(_ op: GEMMTestOp) {
        for (idx, (m, n, k, pad)) in gemmShapes().enumerated() {
            let cs = GEMMCase(op, m: m, n: n, k: k, pad: pad, seed: UInt64(1000 + idx))
            for accumulate in [false, true] {
                let want = cs.run(op.reference, accumulate: accumulate)
                let scale = cs.scales(accumulate: accumulate)
                forEachGEMMISA { name in
                    cs.check(cs.run(op.entry, accumulate: accumulate), against: want, scale: scale,
                             accumulate: accumulate, name)
                }
            }
        }
    }

    @Test(arguments: GEMMTestOp.allCases)
    func knownAnswer(_ op: GEMMTestOp) {
        // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]] (as logical matrices).
        let a: [Float] = op == .tn ? [1, 3, 2, 4] : [1, 2, 3, 4]
        let b: [Float] = op == .nt ? [5, 7, 6, 8] : [5, 6, 7, 8]
        forEachGEMMISA { name in
            var c: [Float] = [1, 1, 1, 1]
            op.entry(2, 2, 2, a, 2, b, 2, &c, 2, 0)
            #expect(c == [19, 22, 43, 50], "\(name) \(op)")
            op.entry(2, 2, 2, a, 2, b, 2, &c, 2, 1)
            #expect(c == [38, 44, 86, 100], "\(name) \(op) accumulate")
        }
    }

    @Test(arguments: GEMMTestOp.allCases)
    func zeroKOverwritesOrKeeps(_ op: GEMMTestOp) {
        forEachGEMMISA { name in
            let cs = GEMMCase(op, m: 5, n: 19, k: 0, pad: 2, seed: 7)
            let kept = cs.run(op.entry, accumulate: true)
            expectSameBits(kept, cs.c0, "\(name) \(op) k=0 accumulate")
            let zeroed = cs.run(op.entry, accumulate: false)
            for i in 0..<cs.m {
                for j in 0..<cs.n where zeroed[i * cs.ldc + j] != 0 {
                    Issue.record("\(name) \(op) k=0: C[\(i), \(j)] = \(zeroed[i * cs.ldc + j])")
                }
            }
        }
    }

    @Test(arguments: GEMMTestOp.allCases)
    func splitInvariance(_ op: GEMMTestOp) {
        // Shapes around the tile sizes, the nt threshold and the k chunk.
        let shapes = [(37, 45, 300, 1), (50, 9, 32, 2), (13, 70, 64, 0), (29, 33, 17, 3),
                      (8, 130, 5, 1), (100, 20, 129, 2), (2, 97, 260, 0)]
        for (idx, (m, n, k, pad)) in shapes.enumerated() {
            let cs = GEMMCase(op, m: m, n: n, k: k, pad: pad, seed: UInt64(5000 + idx))
            forEachGEMMISA { name in
                for accumulate in [false, true] {
                    let whole = cs.run(op.entry, accumulate: accumulate)
                    for r in Set([1, m / 3, m / 2, m - 1, 12, 13]) where r > 0 && r < m {
                        expectSameBits(cs.runRowSplit(op.entry, at: r, accumulate: accumulate), whole,
                                       "\(name) \(cs) acc=\(accumulate) rows split at \(r)")
                    }
                    for s in Set([1, n / 3, n / 2, n - 1, 16, 17, 33]) where s > 0 && s < n {
                        expectSameBits(cs.runColumnSplit(op.entry, at: s, accumulate: accumulate), whole,
                                       "\(name) \(cs) acc=\(accumulate) columns split at \(s)")
                    }
                }
            }
        }
    }

    @Test func nnAndTNAgreeAcrossVectorISAs() {
        // nn/tn are one fused running sum in k order in both vector bodies.
        guard ork_detect_isa().rawValue >= ORK_ISA_AVX512.rawValue else { return }
        let saved = ork_active_isa()
        defer { ork_set_isa(saved) }
        for op in [GEMMTestOp.nn, .tn] {
            let cs = GEMMCase(op, m: 29, n: 45, k: 300, pad: 1, seed: 42)
            ork_set_isa(ORK_ISA_AVX2)
            let avx2 = cs.run(op.entry, accumulate: true)
            ork_set_isa(ORK_ISA_AVX512)
            let avx512 = cs.run(op.entry, accumulate: true)
            expectSameBits(avx512, avx2, "\(op) avx512 vs avx2")
        }
    }
}
