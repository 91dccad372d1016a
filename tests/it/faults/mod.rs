//! Fault suite: real processes killed, disks filled, database files locked
//! or damaged, targets that misbehave. Nothing acknowledged may be lost.

mod database;
mod disk;
mod sigkill;
mod targets;
