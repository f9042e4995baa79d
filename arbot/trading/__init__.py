"""Trading: pre-flight checks on both legs, paper and live executors, the leg-risk
policy and the kill switch. Nothing here imports the UI; front ends drive `Trader`."""
