"""Neuron, synapse and plasticity definitions: Brian2 equations and parameter dataclasses."""
