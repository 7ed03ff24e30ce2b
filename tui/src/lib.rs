//! The `sockudo top` dashboard. Empty until the dashboard issue lands.
