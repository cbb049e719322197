//! replica-planner
