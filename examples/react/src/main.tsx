import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Session } from './Session';
import { pageOptions } from './options';
import './style.css';

// StrictMode mounts every component twice in development: the provider still opens one socket.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Session first={pageOptions(location.search)} />
  </StrictMode>,
);
