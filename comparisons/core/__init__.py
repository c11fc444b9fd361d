"""What every pipeline shares: a check and its diagnosis (check, diagnose), the one tolerance table
(tolerances), the one-batch checks of a model against its Keras twin (one_batch), lockstep
training (lockstep) and the one result type (result.Report). It imports scratchnet and
reference_keras only; nothing here knows a pipeline or writes a file.
"""
