"""Planning: desired state against actual state. Reads AWS, never writes."""
