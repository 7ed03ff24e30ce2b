//! AWS targets of the `aws` cargo feature, through the official SDK ([`crate::aws`] builds its
//! configuration): an SQS queue driver ([`sqs::SqsQueue`]) and Lambda webhook targets
//! ([`lambda::Invoker`]).

pub mod lambda;
pub mod sqs;
