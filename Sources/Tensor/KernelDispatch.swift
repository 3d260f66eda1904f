import CKernels

/// The vector instruction set the C kernels run with.
public enum InstructionSet: String, CaseIterable, Sendable {
    case scalar, avx2, avx512

    init(_ isa: ork_isa) {
        switch isa {
        case ORK_ISA_AVX512: self = .avx512
        case ORK_ISA_AVX2: self = .avx2
        default: self = .scalar
        }
    }

    var cValue: ork_isa {
        switch self {
        case .scalar: ORK_ISA_SCALAR
        case .avx2: ORK_ISA_AVX2
        case .avx512: ORK_ISA_AVX512
        }
    }

    /// The best this CPU supports.
    public static var detected: InstructionSet { InstructionSet(ork_detect_isa()) }

    /// The one kernels use now (`ORCHARD_ISA` overrides the detection).
    public static var active: InstructionSet {
        get { InstructionSet(ork_active_isa()) }
        set { _ = ork_set_isa(newValue.cValue) }
    }
}
