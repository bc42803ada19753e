extension FixedWidthInteger {
    /// `value` rounded toward zero and clamped into this type's range, NaN as 0: for numbers
    /// from outside (AMF, playlists, API calls), where `Self(value)` traps on infinity, NaN or
    /// anything out of range.
    public init(clamping value: Double) {
        if value.isNaN {
            self = 0
        } else if value <= Double(Self.min) {
            self = .min
        } else if value >= Double(Self.max) {
            // `Double(Self.max)` of a 64-bit type rounds up to 2^64 or 2^63, which does not fit.
            self = .max
        } else {
            self = Self(value)
        }
    }
}

extension FixedWidthInteger {
    /// `self + other`, or this type's bound when that does not fit: for sums of timestamps and
    /// sizes that come from outside, where `+` traps.
    public func addingClamped(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }
}
