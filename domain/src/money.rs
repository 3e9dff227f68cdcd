//! Amounts of money in minor currency units, with an ISO 4217 currency.

use serde::{Deserialize, Serialize};

/// An amount in minor units (cents for USD, yen for JPY) of an ISO 4217 currency.
///
/// Serialized as `{"amount": 100, "currency": "USD"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// Minor units, at least 1.
    pub amount: i64,
    /// ISO 4217 code, upper case (`USD`).
    pub currency: String,
}

/// Why an amount is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not an ISO 4217 code with a fixed number of minor units.
    #[error("`{0}` is not an ISO 4217 currency code with minor units")]
    UnknownCurrency(String),
    /// Zero, negative or too large.
    #[error("the amount must be between 1 and 99999999999 minor units, not {0}")]
    OutOfRange(i64),
    /// A decimal string that is not a valid amount in that currency.
    #[error("`{value}` is not an amount in {currency}")]
    InvalidDecimal {
        /// The text.
        value: String,
        /// The currency.
        currency: String,
    },
}

/// Largest accepted amount in minor units (PayPal's `value` allows up to 10 integer digits).
const MAX_MINOR: i64 = 99_999_999_999;

impl Money {
    /// `amount` minor units of `currency` (case-insensitive ISO 4217 code).
    ///
    /// # Errors
    /// [`MoneyError::UnknownCurrency`], [`MoneyError::OutOfRange`] (below 1 or above
    /// 99 999 999 999).
    pub fn new(amount: i64, currency: &str) -> Result<Self, MoneyError> {
        let currency = currency.to_ascii_uppercase();
        exponent(&currency)?;
        if !(1..=MAX_MINOR).contains(&amount) {
            return Err(MoneyError::OutOfRange(amount));
        }
        Ok(Self { amount, currency })
    }

    /// The number of minor-unit digits of the currency (2 for USD, 0 for JPY).
    ///
    /// # Errors
    /// [`MoneyError::UnknownCurrency`].
    pub fn exponent(&self) -> Result<u32, MoneyError> {
        exponent(&self.currency)
    }

    /// The amount as a decimal string in major units (`"1.00"` for 100 USD cents, `"500"` for
    /// 500 JPY), as PayPal's `amount.value` takes it.
    ///
    /// # Errors
    /// [`MoneyError::UnknownCurrency`].
    pub fn to_decimal(&self) -> Result<String, MoneyError> {
        let digits = self.exponent()?;
        if digits == 0 {
            return Ok(self.amount.to_string());
        }
        let scale = 10_i64.pow(digits);
        Ok(format!(
            "{}.{:0width$}",
            self.amount / scale,
            self.amount % scale,
            width = digits as usize
        ))
    }

    /// Parses a decimal string in major units (`"10.50"`) of `currency`: at most the currency's
    /// number of fraction digits.
    ///
    /// # Errors
    /// [`MoneyError::InvalidDecimal`], [`MoneyError::UnknownCurrency`],
    /// [`MoneyError::OutOfRange`].
    pub fn from_decimal(value: &str, currency: &str) -> Result<Self, MoneyError> {
        let currency = currency.to_ascii_uppercase();
        let digits = exponent(&currency)? as usize;
        let invalid = || MoneyError::InvalidDecimal {
            value: value.to_owned(),
            currency: currency.clone(),
        };
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 11
            || !all_digits(whole)
            || fraction.len() > digits
            || !all_digits(fraction)
            || (value.contains('.') && fraction.is_empty())
        {
            return Err(invalid());
        }
        let scale = 10_i64.pow(digits as u32);
        let whole: i64 = whole.parse().map_err(|_| invalid())?;
        let fraction: i64 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<digits$}")
                .parse()
                .map_err(|_| invalid())?
        };
        let amount = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(fraction))
            .ok_or_else(invalid)?;
        Self::new(amount, &currency)
    }
}

fn exponent(code: &str) -> Result<u32, MoneyError> {
    iso_currency::Currency::from_code(code)
        .and_then(|c| c.exponent())
        .map(u32::from)
        .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_decimal() {
            Ok(d) => write!(f, "{d} {}", self.currency),
            Err(_) => write!(f, "{} {} minor units", self.amount, self.currency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trips_with_the_currency_exponent() {
        let usd = Money::new(100, "usd").unwrap();
        assert_eq!(usd.to_decimal().unwrap(), "1.00");
        assert_eq!(Money::from_decimal("1.00", "USD").unwrap(), usd);
        assert_eq!(Money::from_decimal("1.5", "USD").unwrap().amount, 150);
        assert_eq!(Money::new(500, "JPY").unwrap().to_decimal().unwrap(), "500");
        assert_eq!(
            Money::new(1234, "BHD").unwrap().to_decimal().unwrap(),
            "1.234"
        );
    }

    #[test]
    fn bad_amounts_are_refused() {
        assert!(Money::new(0, "USD").is_err());
        assert!(Money::new(100, "XXQ").is_err());
        assert!(Money::from_decimal("1.001", "USD").is_err());
        assert!(Money::from_decimal("1.", "USD").is_err());
        assert!(Money::from_decimal("-1", "USD").is_err());
        assert!(Money::from_decimal("1.5", "JPY").is_err());
    }
}
